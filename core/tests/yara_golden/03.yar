rule r {
  strings:
    $a = "x"
  condition:
    $b
}
