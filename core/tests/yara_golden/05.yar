rule r {
  strings:
    $a = "unterminated
  condition:
    $a
}
