"""Server-rendered pages, one module per idea. Views are thin: selectors read (what
a person may not see is a 404), services write (a refusal is a 403), and every
change is a POST that redirects with a message."""
