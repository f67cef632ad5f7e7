// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title KeyHolderRegistry
/// @notice Where datavault's key holders, compute nodes and dataset owners meet without trusting a
/// vault node: key holders publish their X25519 public key and URL, compute nodes announce
/// themselves, and a dataset's owner (the owner of its datatoken's data NFT) sets its state.
/// Every key holder reads this contract before it releases a share of a data key.
contract KeyHolderRegistry {
    /// @notice What a dataset's owner allows: `Active` (jobs may run), `Unpublished` (no new jobs;
    /// holders keep their shares, so it can be re-published) or `Revoked` (no new jobs; holders
    /// delete their shares; publishing again needs a fresh key escrow).
    enum DatasetState {
        Active,
        Unpublished,
        Revoked
    }

    struct KeyHolder {
        bytes32 encryptionKey;
        string url;
        bool active;
    }

    struct ComputeNode {
        string url;
        bool active;
    }

    mapping(address holder => KeyHolder) private _holders;
    address[] private _holderList;
    mapping(address node => ComputeNode) private _computeNodes;
    mapping(address datatoken => DatasetState) private _datasetStates;

    /// @notice A key holder (the sender) registered or updated its key and URL.
    event KeyHolderRegistered(address indexed holder, bytes32 encryptionKey, string url);
    /// @notice A key holder withdrew: clients must no longer escrow shares with it.
    event KeyHolderRemoved(address indexed holder);
    /// @notice A compute node (the sender) registered or updated its URL.
    event ComputeNodeRegistered(address indexed node, string url);
    /// @notice A compute node withdrew: holders refuse its job tickets from now on.
    event ComputeNodeRemoved(address indexed node);
    /// @notice The owner of `datatoken`'s data NFT changed the dataset's state.
    event DatasetStateChanged(address indexed datatoken, DatasetState state, address indexed owner);

    /// @notice The zero key is not an X25519 public key.
    error EmptyEncryptionKey();
    /// @notice A URL is required (and at most 512 bytes).
    error InvalidUrl();
    /// @notice The sender is not registered (as a key holder or compute node).
    error NotRegistered(address account);
    /// @notice Only the owner of the datatoken's data NFT may change its dataset's state.
    error NotDatasetOwner(address datatoken, address sender);

    /// @notice Registers the sender as a key holder, or updates its key and URL.
    function registerKeyHolder(bytes32 encryptionKey, string calldata url) external {
        if (encryptionKey == bytes32(0)) revert EmptyEncryptionKey();
        if (bytes(url).length == 0 || bytes(url).length > 512) revert InvalidUrl();
        KeyHolder storage holder = _holders[msg.sender];
        if (holder.encryptionKey == bytes32(0)) _holderList.push(msg.sender);
        holder.encryptionKey = encryptionKey;
        holder.url = url;
        holder.active = true;
        emit KeyHolderRegistered(msg.sender, encryptionKey, url);
    }

    /// @notice Withdraws the sender as a key holder.
    function removeKeyHolder() external {
        if (!_holders[msg.sender].active) revert NotRegistered(msg.sender);
        _holders[msg.sender].active = false;
        emit KeyHolderRemoved(msg.sender);
    }

    /// @notice A key holder's X25519 public key, URL and whether it is active.
    function keyHolder(address holder) external view returns (bytes32 encryptionKey, string memory url, bool active) {
        KeyHolder storage entry = _holders[holder];
        return (entry.encryptionKey, entry.url, entry.active);
    }

    /// @notice Every address that ever registered as a key holder (check `keyHolder(..).active`).
    function keyHolders() external view returns (address[] memory) {
        return _holderList;
    }

    /// @notice Registers the sender as a compute node, or updates its URL.
    function registerComputeNode(string calldata url) external {
        if (bytes(url).length == 0 || bytes(url).length > 512) revert InvalidUrl();
        _computeNodes[msg.sender] = ComputeNode({url: url, active: true});
        emit ComputeNodeRegistered(msg.sender, url);
    }

    /// @notice Withdraws the sender as a compute node.
    function removeComputeNode() external {
        if (!_computeNodes[msg.sender].active) revert NotRegistered(msg.sender);
        _computeNodes[msg.sender].active = false;
        emit ComputeNodeRemoved(msg.sender);
    }

    /// @notice A compute node's URL and whether it is active.
    function computeNode(address node) external view returns (string memory url, bool active) {
        ComputeNode storage entry = _computeNodes[node];
        return (entry.url, entry.active);
    }

    /// @notice Sets the state of the dataset sold through `datatoken`. Only the owner of the
    /// datatoken's data NFT may call it.
    function setDatasetState(address datatoken, DatasetState state) external {
        if (_dataNftOwner(datatoken) != msg.sender) revert NotDatasetOwner(datatoken, msg.sender);
        _datasetStates[datatoken] = state;
        emit DatasetStateChanged(datatoken, state, msg.sender);
    }

    /// @dev Ocean's ERC20Template.getERC721Address() then ERC721Template.ownerOf(1); zero when
    /// `datatoken` is not such a contract (so nobody owns it and the call reverts above).
    function _dataNftOwner(address datatoken) private view returns (address) {
        (bool ok, bytes memory nft) = datatoken.staticcall(abi.encodeWithSignature("getERC721Address()"));
        if (!ok || nft.length != 32) return address(0);
        (bool found, bytes memory owner) = abi.decode(nft, (address)).staticcall(abi.encodeWithSignature("ownerOf(uint256)", 1));
        if (!found || owner.length != 32) return address(0);
        return abi.decode(owner, (address));
    }

    /// @notice The state of the dataset sold through `datatoken` (`Active` until its owner says otherwise).
    function datasetState(address datatoken) external view returns (DatasetState) {
        return _datasetStates[datatoken];
    }
}
