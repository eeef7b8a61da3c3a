from wsgi_express.cli import main

raise SystemExit(main())
