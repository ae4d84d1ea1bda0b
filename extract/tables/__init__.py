"""One reader per standard table (section 二, 三, 四), each behind `base.TableRead`."""
