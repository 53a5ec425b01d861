"""Card readers: PC/SC contactless, serial RFID, and the simulated reader of the demo."""
