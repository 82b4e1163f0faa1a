rule r {
  strings:
    $a = "a\q"
  condition:
    $a
}
