from vpix.tools.cli import main

main()
