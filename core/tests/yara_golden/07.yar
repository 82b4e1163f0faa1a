rule r {
  strings:
    $a = "abc" xor
  condition:
    $a
}
