"""Pure domain logic: functions of the rules, the text and the instant they are given.

Nothing here reads files, the network, the environment or the clock, and nothing
imports an adapter (telephony, store, speech, rendering): every module is tested by
calling it. The call flow (``ivr/flow/``) is pure too; the modules that do I/O sit in
the other folders of ``ivr/`` (see ``docs/LAYOUT.md``).
"""
