"""The Telegram bot: the only package that imports `telegram` (python-telegram-bot)."""
