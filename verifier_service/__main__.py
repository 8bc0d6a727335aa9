from verifier_service.cli import main

main()
