"""The whole stack for end-to-end tests (``tests.fixtures.stack``): a real Asterisk on
free ports configured from the default rules, the real IVR process, SIPp phones and a
real database.

The clock is pinned to a Tuesday at 10:00 (Paris) so departments are open whatever
the day CI runs; tests about closed hours pin their own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ivr.simulate import AgentPhone
from tests.fixtures.stack import running_stack
from townhall_support.stack import Stack


@pytest.fixture(scope="module")
def agent() -> Iterator[AgentPhone]:
    """One agent phone (SIPp UAS) answering for every department."""
    with AgentPhone(mode="answer", max_seconds=30) as phone:
        yield phone


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, agent: AgentPhone) -> Iterator[Stack]:
    """Asterisk + the IVR application, module-scoped; the app is (re)started as needed."""
    with running_stack(tmp_path_factory, agent) as running:
        yield running


@pytest.fixture
def live(stack: Stack) -> Stack:
    """The stack with every IVR process taking calls (restarted if a test stopped one)."""
    if not stack.registered():
        stack.start_app()
    return stack
