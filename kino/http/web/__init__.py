"""The web client's server side: pages rendered with Jinja, their scripts and security
headers, the browser's session cookie, oEmbed."""
