"""``python -m notification``: run the notification service."""

from messaging.logs import configure
from messaging.serve import serve
from notification.app import create_app
from notification.settings import NotificationSettings


def main() -> None:
    settings = NotificationSettings()
    configure("notification", settings.log_level)
    serve(create_app(settings), settings.notification_http_port, settings.http_host, settings.log_level)


if __name__ == "__main__":
    main()
