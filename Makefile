# The two commands README.md documents: `make demo` and `make test`.
# Both install GDAL through apt first when it is missing (scripts/setup.sh).

.PHONY: setup demo test bench clean

setup:
	@bash scripts/setup.sh

demo: setup
	cargo build --release
	./target/release/landcons run pipelines/demo.toml

test: setup
	@bash scripts/setup.sh --tests
	cargo clippy --release --all-targets -- -D warnings
	cargo test --release

bench: setup
	bash scripts/bench.sh

clean:
	rm -rf demo-out target
