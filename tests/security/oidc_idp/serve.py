"""python -m tests.security.oidc_idp.serve PORT: migrates the IdP's SQLite database and serves it."""
import os
import sys


def main() -> None:
    port = int(sys.argv[1])
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.security.oidc_idp.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.core.servers.basehttp import WSGIServer, run
    from django.core.wsgi import get_wsgi_application

    run("127.0.0.1", port, get_wsgi_application(), ipv6=False, threading=True, server_cls=WSGIServer)


if __name__ == "__main__":
    main()
