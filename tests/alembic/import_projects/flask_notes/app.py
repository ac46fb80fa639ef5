"""A Flask-Migrate application for the import tests. Its migrations/ folder (env.py, alembic.ini) is what
`flask db init` writes; the test runs that, then copies versions/ from here into it."""
import os

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL", "postgresql:///unused")
db = SQLAlchemy(app)
migrate = Migrate(app, db, render_as_batch=True)


class Note(db.Model):
    __tablename__ = "notes"
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(120), nullable=False)
