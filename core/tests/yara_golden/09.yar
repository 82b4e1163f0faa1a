rule r {
  strings:
    $a = "abc"
    $b = "def"
  condition:
    $a
}
