"""Chat-style questions, for the bot and the interactive prompt alike (no `telegram` here).

`lexicon` recognises places, organisations and periods; `followup` reads a
message together with the chat's previous question; `context` keeps each
chat's last turn and answers a question read in that context.
"""
