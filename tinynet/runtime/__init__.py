"""tinynet's runtime: the threads, pools and scratch memory that the ops use."""
