# pageoutd: build, install and uninstall.
#
#   make                       release build of pageoutd, pageoutctl and pageout-guestsim
#   make install               install under PREFIX (default /usr/local), staged under DESTDIR if set
#   make uninstall             remove what `make install` installed (an edited pageoutd.toml stays)
#   make test                  scripts/test.sh (as root: it prepares the host first)
#
# Variables:
#   PREFIX            installation prefix (default /usr/local)
#   DESTDIR           staging directory prepended to every installed path (packaging)
#   SYSCONFDIR        where the configuration directory goes (default /etc)
#   CONFIGURATION     swift build configuration: release (default) or debug
#   SWIFT_BUILD_FLAGS extra arguments for `swift build`
#   BINDIR_SOURCE     directory holding already built binaries: `make install` then copies them from there
#                     and runs no swift command at all (default: `swift build --show-bin-path`, after a build)

SWIFT             ?= swift
PREFIX            ?= /usr/local
DESTDIR           ?=
SYSCONFDIR        ?= /etc
CONFIGURATION     ?= release
SWIFT_BUILD_FLAGS ?=

BINDIR     = $(PREFIX)/bin
LIBEXECDIR = $(PREFIX)/libexec/pageoutd
UNITDIR    = $(PREFIX)/lib/systemd/system
DATADIR    = $(PREFIX)/share/pageoutd
MANDIR     = $(PREFIX)/share/man
CONFDIR    = $(SYSCONFDIR)/pageoutd

PRODUCTS = pageoutd pageoutctl pageout-guestsim
INSTALL ?= install

ifeq ($(origin BINDIR_SOURCE),undefined)
BINDIR_SOURCE = $(shell $(SWIFT) build -c $(CONFIGURATION) $(SWIFT_BUILD_FLAGS) --show-bin-path)
INSTALL_DEPENDS = build
else
INSTALL_DEPENDS =
endif

.PHONY: all build install uninstall test clean

all: build

build:
	@set -e; for product in $(PRODUCTS); do \
		echo "$(SWIFT) build -c $(CONFIGURATION) $(SWIFT_BUILD_FLAGS) --product $$product"; \
		$(SWIFT) build -c $(CONFIGURATION) $(SWIFT_BUILD_FLAGS) --product $$product; \
	done

install: $(INSTALL_DEPENDS)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DATADIR) \
		$(DESTDIR)$(CONFDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 0755 "$(BINDIR_SOURCE)/pageoutd" $(DESTDIR)$(BINDIR)/pageoutd
	$(INSTALL) -m 0755 "$(BINDIR_SOURCE)/pageoutctl" $(DESTDIR)$(BINDIR)/pageoutctl
	$(INSTALL) -m 0755 "$(BINDIR_SOURCE)/pageout-guestsim" $(DESTDIR)$(LIBEXECDIR)/pageout-guestsim
	@# An existing configuration is the operator's: the shipped one goes next to it as an example.
	@if [ -e $(DESTDIR)$(CONFDIR)/pageoutd.toml ]; then \
		echo "$(DESTDIR)$(CONFDIR)/pageoutd.toml exists: installing pageoutd.toml.example next to it"; \
		$(INSTALL) -m 0644 Config/pageoutd.toml $(DESTDIR)$(CONFDIR)/pageoutd.toml.example; \
	else \
		echo "$(INSTALL) -m 0644 Config/pageoutd.toml $(DESTDIR)$(CONFDIR)/pageoutd.toml"; \
		$(INSTALL) -m 0644 Config/pageoutd.toml $(DESTDIR)$(CONFDIR)/pageoutd.toml; \
	fi
	sed -e 's|^ExecStart=[^ ]*/pageoutd |ExecStart=$(BINDIR)/pageoutd |' \
		-e 's|^ExecReload=[^ ]*/pageoutctl |ExecReload=$(BINDIR)/pageoutctl |' \
		-e 's| /etc/pageoutd/pageoutd.toml| $(CONFDIR)/pageoutd.toml|' \
		systemd/pageoutd.service > $(DESTDIR)$(UNITDIR)/pageoutd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/pageoutd.service
	$(INSTALL) -m 0644 systemd/pageoutd.socket $(DESTDIR)$(UNITDIR)/pageoutd.socket
	$(INSTALL) -m 0755 contrib/libvirt/qemu $(DESTDIR)$(DATADIR)/libvirt-qemu-hook
	$(INSTALL) -m 0644 man/pageoutd.8 $(DESTDIR)$(MANDIR)/man8/pageoutd.8
	$(INSTALL) -m 0644 man/pageoutctl.1 $(DESTDIR)$(MANDIR)/man1/pageoutctl.1
	$(INSTALL) -m 0644 man/pageoutd.toml.5 $(DESTDIR)$(MANDIR)/man5/pageoutd.toml.5
	@echo "Installed. For libvirt: ln -s $(DATADIR)/libvirt-qemu-hook /etc/libvirt/hooks/qemu"

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/pageoutd $(DESTDIR)$(BINDIR)/pageoutctl
	rm -f $(DESTDIR)$(LIBEXECDIR)/pageout-guestsim
	rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null || true
	rm -f $(DESTDIR)$(UNITDIR)/pageoutd.service $(DESTDIR)$(UNITDIR)/pageoutd.socket
	rm -f $(DESTDIR)$(DATADIR)/libvirt-qemu-hook
	rmdir $(DESTDIR)$(DATADIR) 2>/dev/null || true
	rm -f $(DESTDIR)$(MANDIR)/man8/pageoutd.8 $(DESTDIR)$(MANDIR)/man1/pageoutctl.1 \
		$(DESTDIR)$(MANDIR)/man5/pageoutd.toml.5
	rm -f $(DESTDIR)$(CONFDIR)/pageoutd.toml.example
	@echo "$(DESTDIR)$(CONFDIR)/pageoutd.toml is left in place (remove it by hand if it is not needed)"

test:
	bash scripts/test.sh

clean:
	$(SWIFT) package clean
