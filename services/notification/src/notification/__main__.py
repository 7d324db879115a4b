"""``python -m notification``: run the notification service."""

from messaging.serve import run
from notification.app import create_app
from notification.settings import NotificationSettings

if __name__ == "__main__":
    settings = NotificationSettings()
    run("notification", create_app(settings), settings.notification_http_port, settings.http_host, settings.log_level)
