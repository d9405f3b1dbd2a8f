public enum PageoutCore {}
