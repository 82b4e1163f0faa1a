rule r {
  strings:
    $a = "abc"
    $a = "def"
  condition:
    $a
}
