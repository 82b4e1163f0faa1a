rule r {
  strings:
    $a = { 4D 5A 9 }
  condition:
    $a
}
