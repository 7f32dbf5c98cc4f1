from astreinte.cli.main import main

main()
