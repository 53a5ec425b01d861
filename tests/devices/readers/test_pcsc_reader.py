"""PcscReader through pcscd, the vpcd driver and virtual cards."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator

import pytest
from pcscd_proc import READER_0, READER_1
from reader_support import CardSlots, EventLog, Pcscd
from vpcd_card import ATR_CLASSIC_1K, ATR_DESFIRE, ATR_ULTRALIGHT

from tillcard.devices.readers.base import (
    CardPresented,
    CardRemoved,
    CardUnreadable,
    ReaderCode,
    ReaderState,
)
from tillcard.devices.readers.pcsc import (
    NOT_INSTALLED,
    SERVICE_DOWN,
    PcscReader,
    list_pcsc_readers,
)
from tillcard.devices.readers.pcsc_apdu import CardProblem, ServiceTrouble, card_gone, card_kind

ATR_ISO14443_4 = bytes.fromhex("3B88800150112233440000000000")


@pytest.fixture
def start_reader(pcscd: Pcscd) -> Iterator[Callable[..., PcscReader]]:
    started: list[PcscReader] = []

    def start(name_filter: str, sink: EventLog, **kw: object) -> PcscReader:
        reader = PcscReader(name_filter, health_period=0.1, reader_poll=0.2,
                            retry_delays=(0.1, 0.2, 0.5), **kw)  # type: ignore[arg-type]
        reader.start(sink)
        started.append(reader)
        return reader

    yield start
    for reader in started:
        reader.stop()


@pytest.mark.parametrize(
    ("atr", "kind"),
    [(ATR_CLASSIC_1K, "mifare-classic-1k"), (ATR_ULTRALIGHT, "mifare-ultralight"),
     (ATR_DESFIRE, "mifare-desfire"), (ATR_ISO14443_4, "iso14443-4"),
     (bytes.fromhex("3B8F8001804F0CA0000003060300020000000069"), "mifare-classic-4k"),
     (bytes.fromhex("3B0201"), "unknown")],
)
def test_card_kind_from_atr(atr: bytes, kind: str) -> None:
    assert card_kind(atr) == kind


@pytest.mark.parametrize("hresult", [0x80100069, 0x80100016, 0x8010000C, 0x80100017,
                                     -0x7FEFFF97])  # pyscard may hand the code signed
def test_card_left_codes(hresult: int) -> None:
    assert card_gone(hresult) is True


def test_other_codes() -> None:
    assert card_gone(0) is False
    with pytest.raises(ServiceTrouble):
        card_gone(0x8010001D)
    with pytest.raises(CardProblem, match="card does not respond"):
        card_gone(0x80100066)


def test_without_pyscard_says_so(monkeypatch: pytest.MonkeyPatch, events: EventLog) -> None:
    monkeypatch.setitem(sys.modules, "smartcard.CardMonitoring", None)
    reader = PcscReader()
    reader.start(events)
    assert events.wait_state(False) == ReaderState(False, NOT_INSTALLED)
    reader.stop()


@pytest.mark.pcsc
@pytest.mark.parametrize(
    ("atr", "kind"),
    [(ATR_CLASSIC_1K, "mifare-classic-1k"), (ATR_ULTRALIGHT, "mifare-ultralight"),
     (ATR_DESFIRE, "mifare-desfire")],
)
def test_tap_presents_uid_and_kind(start_reader: Callable[..., PcscReader], cards: CardSlots,
                                   events: EventLog, atr: bytes, kind: str) -> None:
    start_reader(READER_0, events)
    assert events.wait_state(True) == ReaderState(True, f"reader ok: {READER_0}")
    card = cards("04a1b2c3d4e5f6", atr)
    assert events.wait_for(CardPresented) == CardPresented(READER_0, "04A1B2C3D4E5F6", kind)
    cards.remove(card)
    assert events.wait_for(CardRemoved) == CardRemoved(READER_0)
    assert card.apdus == [bytes.fromhex("FFCA000000")]


@pytest.mark.pcsc
def test_swap_two_cards(start_reader: Callable[..., PcscReader], cards: CardSlots,
                        events: EventLog) -> None:
    start_reader(READER_0, events)
    first = cards("11223344")
    assert events.wait_card().uid == "11223344"
    cards.remove(first)
    events.wait_for(CardRemoved)
    cards("A1A2A3A4A5A6A7", ATR_ULTRALIGHT)
    assert events.wait_for(CardPresented) == CardPresented(
        READER_0, "A1A2A3A4A5A6A7", "mifare-ultralight")
    assert not [e for e in events.skipped if isinstance(e, CardPresented | CardRemoved)]


@pytest.mark.pcsc
@pytest.mark.parametrize(("sw", "meaning"), [(b"\x6a\x81", "6A81 (function not supported)"),
                                             (b"\x63\x00", "6300 (operation failed)")])
def test_card_answering_get_data_with_error(start_reader: Callable[..., PcscReader],
                                            cards: CardSlots, events: EventLog, sw: bytes,
                                            meaning: str) -> None:
    start_reader(READER_0, events)
    events.wait_state(True)
    bad = cards("11223344", error_sw=sw)
    state = events.wait_state(False)
    assert state.message == f"card not readable: GET DATA answered {meaning}"
    assert events.skipped == [CardUnreadable(READER_0, f"GET DATA answered {meaning}")]
    cards.remove(bad)
    cards("0A0B0C0D")
    assert events.wait_card().uid == "0A0B0C0D"
    assert not [e for e in events.skipped if isinstance(e, CardPresented | CardRemoved)]
    assert events.skipped == [ReaderState(True, f"reader ok: {READER_0}")]


@pytest.mark.pcsc
def test_card_pulled_during_read(start_reader: Callable[..., PcscReader], cards: CardSlots,
                                 events: EventLog) -> None:
    start_reader(READER_0, events)
    events.wait_state(True)
    fleeting = cards("DEADBEEF", vanish_on_apdu=True)
    assert fleeting.vanished.wait(5)
    cards.remove(fleeting)
    cards("CAFEF00D")
    assert events.wait_card().uid == "CAFEF00D"
    assert events.skipped == []  # neither a card nor a complaint


@pytest.mark.pcsc
def test_name_filter_picks_the_reader(start_reader: Callable[..., PcscReader], cards: CardSlots,
                                      events: EventLog) -> None:
    start_reader("pcd 00 01", events)
    ok = events.wait_state(True)
    assert ok.message == f"reader ok: {READER_1}"
    assert (ok.code, ok.detail) == (ReaderCode.OK, READER_1)  # for the screen to word
    cards("00000001", slot=0)
    cards("00000002", slot=1)
    assert events.wait_for(CardPresented) == CardPresented(READER_1, "00000002",
                                                           "mifare-classic-1k")


@pytest.mark.pcsc
def test_no_matching_reader(start_reader: Callable[..., PcscReader], events: EventLog) -> None:
    start_reader("ACR122", events)
    none = events.wait_state(False)
    assert none.message == "no reader matching 'ACR122'"
    assert (none.code, none.detail) == (ReaderCode.NO_READER, "ACR122")


@pytest.mark.pcsc
def test_reader_unplugged_and_plugged_back(start_reader: Callable[..., PcscReader],
                                          cards: CardSlots, events: EventLog) -> None:
    unplugged = threading.Event()

    def lister() -> list[str]:  # pcscd cannot lose a vpcd reader, so we hide it
        names = list_pcsc_readers()
        return [n for n in names if n != READER_1] if unplugged.is_set() else names

    start_reader(READER_1, events, reader_lister=lister)
    events.wait_state(True)
    cards("77665544", slot=1)
    events.wait_for(CardPresented)
    unplugged.set()
    assert events.wait_for(CardRemoved) == CardRemoved(READER_1)
    assert events.wait_state(False).message == f"no reader matching '{READER_1}'"
    unplugged.clear()
    assert events.wait_state(True).message == f"reader ok: {READER_1}"


@pytest.mark.pcsc
def test_stopped_reader_stays_silent(start_reader: Callable[..., PcscReader], cards: CardSlots,
                                     events: EventLog) -> None:
    first = start_reader(READER_0, events)
    events.wait_state(True)
    first.stop()
    later = EventLog()
    start_reader(READER_0, later)
    cards("0102030405060708")
    assert later.wait_card().uid == "0102030405060708"
    assert events.pending() == []


@pytest.mark.pcsc
def test_only_one_reader_at_a_time(start_reader: Callable[..., PcscReader],
                                   events: EventLog) -> None:
    start_reader(READER_0, events)
    with pytest.raises(RuntimeError, match="another PcscReader"):
        PcscReader(READER_1).start(EventLog())


@pytest.mark.pcsc
def test_pcscd_killed_and_restarted(pcscd: Pcscd, start_reader: Callable[..., PcscReader],
                                    cards: CardSlots, events: EventLog) -> None:
    process = pcscd.restart_or_skip()
    start_reader(READER_0, events)
    events.wait_state(True)
    cards("0badcafe")
    events.wait_for(CardPresented)
    process.kill()
    assert events.wait_for(CardRemoved) == CardRemoved(READER_0)
    assert events.wait_state(False) == ReaderState(False, SERVICE_DOWN)
    process.start()
    assert events.wait_state(True) == ReaderState(True, f"reader ok: {READER_0}")
    cards("5EED5EED")
    assert events.wait_card().uid == "5EED5EED"
