from keysmith_client.cli import main

raise SystemExit(main())
