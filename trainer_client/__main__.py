from trainer_client.cli import main

main()
