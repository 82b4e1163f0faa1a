rule r {
  strings:
    $a = "abc" base64
  condition:
    $a
}
