rule r {
  condition:
    filesize > 1.5
}
