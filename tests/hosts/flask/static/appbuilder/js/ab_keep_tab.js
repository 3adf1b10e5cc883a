// Stands in for Flask-AppBuilder's ab_keep_tab.js (add_tail_js).
