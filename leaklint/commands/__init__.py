"""One module per subcommand; the CLI imports each only when it runs."""
