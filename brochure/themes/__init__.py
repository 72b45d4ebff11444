"""A theme name -> its templates, stylesheets and settings, overrides first."""
