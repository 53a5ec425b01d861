"""Receipt printers: ESC/POS rendering, connections, the print queue, the simulated printer."""
