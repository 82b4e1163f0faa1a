rule r {
  strings:
    $a = "abc"
  condition:
    !a == 3
}
