"""Reading uploaded files: encodings, CSV, XLSX, header rows, samples, and where uploads are kept."""
