rule r {
  condition:
    later
}
rule later { condition: true }
