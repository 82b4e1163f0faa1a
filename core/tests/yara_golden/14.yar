rule r {
  strings:
    $a = /abc/
  condition:
    $a matches /x/
}
