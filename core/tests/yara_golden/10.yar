rule r {
  strings:
    $a = { 4D [4-] 5A }
  condition:
    $a
}
