rule r {
  strings:
    $a = { [2] 4D }
  condition:
    $a
}
