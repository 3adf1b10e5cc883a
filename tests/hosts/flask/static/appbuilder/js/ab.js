// Stands in for Flask-AppBuilder's ab.js (the tail_js scripts the tag must follow).
