rule r {
  strings:
    $a = /abc/x
  condition:
    $a
}
