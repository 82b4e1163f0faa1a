rule r {
  strings:
    $a = "abc"
  condition:
    $a and uint16(0) == 0x5A4D
}
