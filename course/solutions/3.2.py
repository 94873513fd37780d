%%lambda recommender-lazy --memory 1024
from lambdakit import work

def load_model():
    work(io_ms=800)                  # download and unpack the model
    return {"weights": [0.2, 0.5, 0.3]}

MODEL = None                         # loaded on first use, then kept for the environment's life

def lambda_handler(event, context):
    global MODEL
    if not event.get("personal"):
        return {"recommendation": "popular"}
    if MODEL is None:
        MODEL = load_model()
    work(cpu_ms=20)                  # score the request
    return {"recommendation": max(range(3), key=lambda i: MODEL["weights"][i])}
