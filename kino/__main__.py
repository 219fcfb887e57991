from kino.cli import main

raise SystemExit(main())
