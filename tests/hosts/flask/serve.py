"""Serves the Flask host for the browser tests (tests/e2e/flask-host.test.ts): a fresh SQLite
database (FLASK_DB), seeded, on 127.0.0.1:PORT, talking to TANDEM_URL with TANDEM_API_KEY."""
import os

from app import create_app, db, seed

app = create_app()
with app.app_context():
    db.create_all()
    seed()
app.run(host="127.0.0.1", port=int(os.environ["PORT"]), threaded=True, use_reloader=False)
