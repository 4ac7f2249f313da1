"""tf.data service: run a training input pipeline on other machines' CPUs.

`distribute(dataset, address)` hands the whole pipeline (reading the TFRecords, decoding, the
paper's augmentation, batching) to tf.data service workers registered with the dispatcher at
`address`; the trainer only receives finished batches. Sharding is dynamic: the dispatcher hands
out the source files' elements so that each is processed once per epoch by one of the workers.
The workers must be able to read the dataset's files at the same paths (a shared or cloud file
system). `python -m pipelines.data.service dispatcher|worker` starts the servers.
"""

import sys

import tensorflow as tf

from pipelines.cli import ArgumentParser
from pipelines.errors import UserError

service_lib = tf.data.experimental.service


def service_address(address: str) -> str:
    """"host:port" or "grpc://host:port" -> the "grpc://host:port" tf.data service wants."""
    host, _, port = address.removeprefix("grpc://").rpartition(":")
    if not host or not port.isdigit():
        raise UserError(f"data service address must be HOST:PORT, got {address!r}")
    return f"grpc://{host}:{port}"


def distribute(dataset: tf.data.Dataset, address: str,
               job_name: str | None = None) -> tf.data.Dataset:
    """`dataset` produced by the service's workers (dynamic sharding), prefetched here. Trainers
    that pass the same job_name share one job: each batch goes to one of them."""
    dataset = dataset.apply(service_lib.distribute(
        processing_mode=service_lib.ShardingPolicy.DYNAMIC, service=service_address(address),
        job_name=job_name))
    return dataset.prefetch(tf.data.AUTOTUNE)


def start_dispatcher(port: int = 0) -> service_lib.DispatchServer:
    return service_lib.DispatchServer(service_lib.DispatcherConfig(port=port))


def start_worker(dispatcher: str, port: int = 0,
                 host: str = "localhost") -> service_lib.WorkerServer:
    """A worker for the dispatcher at `dispatcher` (HOST:PORT); `host` is the name by which the
    dispatcher and the trainers reach this worker."""
    return service_lib.WorkerServer(service_lib.WorkerConfig(
        dispatcher_address=service_address(dispatcher).removeprefix("grpc://"), port=port,
        worker_address=f"{host}:%port%"))


def main(argv: list[str] | None = None) -> int:
    p = ArgumentParser(prog="python -m pipelines.data.service", description=__doc__)
    sub = p.add_subparsers(dest="role", required=True)
    d = sub.add_parser("dispatcher", help="start the dispatcher (one per training job)")
    d.add_argument("--port", type=int, default=5050)
    w = sub.add_parser("worker", help="start a worker (one per input machine)")
    w.add_argument("--dispatcher", required=True, help="the dispatcher's HOST:PORT")
    w.add_argument("--port", type=int, default=5051)
    w.add_argument("--host", default="localhost",
                   help="this machine's name as the dispatcher and trainers reach it")
    args = p.parse_args(argv)
    if not 0 <= args.port < 65536:
        p.error("--port must be in [0, 65535]")
    try:
        if args.role == "dispatcher":
            server = start_dispatcher(args.port)
            print(f"dispatcher at {server.target}; train with --data-service HOST:{args.port}",
                  flush=True)
        else:
            service_address(args.dispatcher)
            server = start_worker(args.dispatcher, args.port, args.host)
            print(f"worker {args.host}:{args.port} serving dispatcher {args.dispatcher}",
                  flush=True)
    except (UserError, tf.errors.OpError) as err:  # an address, a port in use
        p.error(str(err).strip().splitlines()[0])
    try:
        server.join()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
