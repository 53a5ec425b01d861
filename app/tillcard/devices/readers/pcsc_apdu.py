"""What a contactless card tells PC/SC: its kind from the ATR, its UID from GET DATA."""

from __future__ import annotations

from typing import Any

GET_UID = (0xFF, 0xCA, 0x00, 0x00, 0x00)

# PC/SC return codes (the same on every platform); compared as ``hresult & 0xFFFFFFFF``.
# Card pulled before/after pcscd noticed, no card, reader unplugged, card reset/unpowered.
_CARD_GONE = {0x80100016, 0x80100069, 0x8010000C, 0x80100017, 0x80100011, 0x80100009,
              0x80100067, 0x80100068}
# pcscd stopped or restarted: our context handle is worthless now.
_SERVICE_GONE = {0x8010001D, 0x8010001E, 0x80100003, 0x80100013}
_PCSC_MEANING = {0x80100066: "card does not respond", 0x8010000B: "card in use elsewhere",
                 0x8010000F: "protocol mismatch"}
_SW_MEANING = {0x6282: "end of data before Le", 0x6300: "operation failed",
               0x6A81: "function not supported", 0x6A82: "not found",
               0x6D00: "instruction not supported", 0x6E00: "class not supported"}
_STORAGE_ATR_PREFIX = bytes.fromhex("3B8F8001804F0CA000000306")
_STORAGE_NAMES = {0x0001: "mifare-classic-1k", 0x0002: "mifare-classic-4k",
                  0x0003: "mifare-ultralight", 0x0026: "mifare-mini",
                  0x003A: "mifare-ultralight-c"}
_DESFIRE_ATR = bytes.fromhex("3B8180018080")


class CardProblem(Exception):
    """The card is there but gives no UID; the message is meant for the cashier."""


class ServiceTrouble(Exception):
    """pcscd went away under us, so the PC/SC context has to be renewed."""


def card_kind(atr: bytes) -> str:
    """Names the chip from its ATR, so the UI can refuse card types the site never issued.

    Contactless readers synthesise ATRs per PC/SC part 3: storage cards carry the card
    name code in bytes 13-14; ISO 14443-4 cards get ``3B 8N 80 01`` + historical bytes.
    """
    if atr.startswith(_STORAGE_ATR_PREFIX) and len(atr) >= 15:
        code = int.from_bytes(atr[13:15], "big")
        return _STORAGE_NAMES.get(code, f"storage-card-{code:04x}")
    if atr == _DESFIRE_ATR:
        return "mifare-desfire"
    if len(atr) >= 4 and atr[0] == 0x3B and atr[1] & 0xF0 == 0x80 and atr[2:4] == b"\x80\x01":
        return "iso14443-4"
    return "unknown"


def card_gone(hresult: int) -> bool:
    """True when the card simply left; raises when the failure is worth reporting."""
    code = hresult & 0xFFFFFFFF
    if code == 0:
        return False
    if code in _CARD_GONE:
        return True
    if code in _SERVICE_GONE:
        raise ServiceTrouble(f"PC/SC service gone (0x{code:08X})")
    raise CardProblem(f"{_PCSC_MEANING.get(code, 'PC/SC error')} (0x{code:08X})")


def read_uid(context: Any, reader: str) -> str | None:
    """The card's UID in upper-case hex, or None when it left before it could be read.

    Raises:
        CardProblem: the card answered GET DATA with an error status word.
        ServiceTrouble: pcscd is gone.
    """
    from smartcard import scard

    hresult, card, protocol = scard.SCardConnect(
        context, reader, scard.SCARD_SHARE_SHARED,
        scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
    if card_gone(hresult):
        return None
    try:
        return _transmit_get_uid(card, protocol)
    finally:
        scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)


def _transmit_get_uid(card: Any, protocol: Any) -> str | None:
    from smartcard import scard

    command = list(GET_UID)
    for _ in range(2):
        hresult, response = scard.SCardTransmit(card, protocol, command)
        if card_gone(hresult) or len(response) < 2:  # no status word: the card left mid-way
            return None
        data, sw = bytes(response[:-2]), int.from_bytes(bytes(response[-2:]), "big")
        if sw >> 8 == 0x6C:  # wrong Le: the card says which length to ask for
            command = [*GET_UID[:4], sw & 0xFF]
            continue
        if data and sw in (0x9000, 0x6282):
            return data.hex().upper()
        if sw == 0x9000:
            raise CardProblem("GET DATA gave an empty UID")
        raise CardProblem(f"GET DATA answered {sw:04X} ({_SW_MEANING.get(sw, 'error')})")
    raise CardProblem("GET DATA kept asking for another length")
