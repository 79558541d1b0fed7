# Thin wrapper over meson + ninja.
BUILD ?= build
PREFIX ?= /usr/local

.PHONY: all deps test install clean format format-check bench demo

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX)

deps:
	./scripts/install-deps.sh

test: all
	./tests/run.sh $(BUILD)

install: all
	meson install -C $(BUILD) --no-rebuild --strip

demo: all
	./scripts/demo.sh $(BUILD)

bench: all
	./bench/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
