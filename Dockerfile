# The course for one learner, and the single-user image of a class's JupyterHub.
#   docker build -t lambdakit-course .
#   docker run --rm -p 8888:8888 lambdakit-course        # then open the printed URL
# In JupyterHub (Zero to JupyterHub: singleuser.image) the hub runs jupyterhub-singleuser in
# it; the entrypoint sets up the course folder in the learner's home first either way.
FROM python:3.11-slim

RUN useradd --create-home --uid 1000 jovyan
COPY . /tmp/lambdakit
RUN pip install --no-cache-dir /tmp/lambdakit "jupyterhub>=5" \
    && jupyter labextension disable "@jupyterlab/apputils-extension:announcements" \
    && install -m 755 /tmp/lambdakit/binder/start /usr/local/bin/lambdakit-start \
    && rm -rf /tmp/lambdakit

USER jovyan
WORKDIR /home/jovyan
EXPOSE 8888
ENTRYPOINT ["lambdakit-start"]
CMD ["lambdakit", "course", "--ip", "0.0.0.0", "--port", "8888", "--no-browser"]
