//! Barcodes: GS1 parsing and building, traceability codes, label rendering.
