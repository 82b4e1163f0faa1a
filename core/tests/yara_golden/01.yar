import "pe"

rule r { condition: true }
