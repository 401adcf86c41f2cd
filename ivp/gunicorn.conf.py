"""gunicorn's settings for the product: `gunicorn -c ivp/gunicorn.conf.py ivp.wsgi`.

Command-line options (--workers, --bind) still override what is set here.
"""

import multiprocessing

# One worker per core: the pages are CPU-bound Python with short queries.
workers = multiprocessing.cpu_count()


def post_worker_init(worker):
    """Once the worker has loaded the app: keep the loaded objects out of full garbage
    collections (ivp.wsgi.freeze_loaded_objects says why)."""
    from ivp.wsgi import freeze_loaded_objects

    freeze_loaded_objects()
