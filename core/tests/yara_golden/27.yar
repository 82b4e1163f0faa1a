rule r {
  strings:
    $a = "abc"
  condition:
    filesize
}
